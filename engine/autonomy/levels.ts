// The autonomy ladder's levels and the definition version of each action type (docs/safety.md#autonomy-ladder).
// Bump a type's version when what it does changes (its planner's targeting, its message, its effect):
// the type then starts again in shadow until the ladder, or an admin, moves it up.
import { ACTION_TYPES, type ActionType } from '../types';

export const AUTONOMY_LEVELS = ['shadow', 'approval', 'auto'] as const;
export type AutonomyLevel = (typeof AUTONOMY_LEVELS)[number];

/** The version of each action type's definition; version 1 is every type as it was when the ladder came. */
export const ACTION_DEFINITION_VERSIONS: Record<ActionType, number> = Object.fromEntries(
  ACTION_TYPES.map((t) => [t, 1]),
) as Record<ActionType, number>;

export interface StoredLevel {
  level: AutonomyLevel;
  definitionVersion: number;
  pinned: boolean;
}

/** The level the gates use: shadow for a type with no row or a changed definition, unless an admin pinned it. */
export function effectiveLevel(type: string, row: StoredLevel | null | undefined): AutonomyLevel {
  if (!row) return 'shadow';
  if (row.pinned) return row.level;
  const version = (ACTION_DEFINITION_VERSIONS as Record<string, number | undefined>)[type];
  return version != null && row.definitionVersion === version ? row.level : 'shadow';
}
