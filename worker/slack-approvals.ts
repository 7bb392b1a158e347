// Slack approvals from the config: on when SLACK_BOT_TOKEN is set (the config then insists on the channel and
// the signing secret), off (null) otherwise.
import type { SlackApprovalSettings } from '../activities/deps';
import { createSlackApi } from '../activities/slack/web-api';
import type { Config } from '../platform/config';

export type SlackSettings = Pick<
  Config,
  | 'SLACK_BOT_TOKEN'
  | 'SLACK_APPROVAL_CHANNEL'
  | 'SLACK_API_BASE'
  | 'SLACK_WORKSPACE_URL'
  | 'PUBLIC_BASE_URL'
  | 'FLOYO_API_URL'
>;

export function slackApprovalSettings(c: SlackSettings): SlackApprovalSettings | null {
  if (!c.SLACK_BOT_TOKEN || !c.SLACK_APPROVAL_CHANNEL) return null;
  return {
    api: createSlackApi({ token: c.SLACK_BOT_TOKEN, ...(c.SLACK_API_BASE ? { apiBase: c.SLACK_API_BASE } : {}) }),
    channel: c.SLACK_APPROVAL_CHANNEL,
    workspaceUrl: c.SLACK_WORKSPACE_URL,
    approvalsUrl: `${(c.PUBLIC_BASE_URL ?? c.FLOYO_API_URL).replace(/\/+$/, '')}/approvals`,
  };
}
