// Shapes of the api responses the dashboard reads, inferred from the api's zod schemas (type-only
// imports: nothing of the server lands in the bundle).
import type { z } from 'zod';
import type { ActionSchema, FindingSchema } from '../../api/schemas/common';
import type { AlertChannelHealthSchema, AlertDeliverySchema } from '../../api/schemas/alerts';
import type {
  ApprovalGroupSchema,
  ApprovalListSchema,
  ApprovalSchema,
  BulkDecisionSchema,
} from '../../api/schemas/approvals';
import type { AutonomyLevelSchema } from '../../api/schemas/autonomy';
import type { PolicyListSchema } from '../../api/schemas/config';
import type { FreezeListSchema } from '../../api/schemas/freezes';
import type {
  ActionListSchema,
  AuditEntrySchema,
  CycleDetailSchema,
  CycleListSchema,
  ProgressSchema,
} from '../../api/schemas/cycles';
import type { CycleFindingSchema, EffectSchema, TrendPointSchema } from '../../api/schemas/history';
import type { MlFeedbackSchema, MlQualitySchema } from '../../api/schemas/ml';
import type { RecoveredRevenueSchema, RecoveryFiguresSchema } from '../../api/schemas/recovered-revenue';
import type { ScheduleSchema } from '../../api/schemas/schedules';
import type { DecisionSchema, KpiSchema, SystemStateSchema } from '../../api/schemas/state';

export type Kpi = z.infer<typeof KpiSchema>;
export type Finding = z.infer<typeof FindingSchema> &
  Partial<Pick<z.infer<typeof CycleFindingSchema>, 'cycleEvidence'>>;
export type Action = z.infer<typeof ActionSchema>;
export type SystemState = z.infer<typeof SystemStateSchema>;
export type TrendPoint = z.infer<typeof TrendPointSchema>;
export type CycleList = z.infer<typeof CycleListSchema>;
export type CycleDetail = z.infer<typeof CycleDetailSchema>;
export type Progress = z.infer<typeof ProgressSchema>;
export type ActionList = z.infer<typeof ActionListSchema>;
export type Approval = z.infer<typeof ApprovalSchema>;
export type ApprovalList = z.infer<typeof ApprovalListSchema>;
export type ApprovalGroup = z.infer<typeof ApprovalGroupSchema>;
export type BulkDecision = z.infer<typeof BulkDecisionSchema>;
export type Schedule = z.infer<typeof ScheduleSchema>;
export type Decision = z.infer<typeof DecisionSchema>;
export type Policies = z.infer<typeof PolicyListSchema>;
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export type Effect = z.infer<typeof EffectSchema>;
export type MlFeedback = z.infer<typeof MlFeedbackSchema>;
export type MlBucket = MlFeedback['buckets'][number];
export type MlQuality = z.infer<typeof MlQualitySchema>;
export type AlertDelivery = z.infer<typeof AlertDeliverySchema>;
export type AlertChannelHealth = z.infer<typeof AlertChannelHealthSchema>;
export type RecoveredRevenue = z.infer<typeof RecoveredRevenueSchema>;
export type RecoveryFigures = z.infer<typeof RecoveryFiguresSchema>;
export type AutonomyLevel = z.infer<typeof AutonomyLevelSchema>;
export type FreezeList = z.infer<typeof FreezeListSchema>;
