// When a pending approval is reminded (an action's in its Slack thread, a campaign's on the alert channels):
// the policy's leads before the deadline (default a day and an hour), each only when it falls in the second
// half of the wait (a 1-hour approval gets no reminder 1 hour before).
export const DEFAULT_REMINDER_LEADS_HOURS = [24, 1] as const;

/** Seconds before the deadline at which to remind, largest first, each once. */
export function approvalReminderLeads(
  timeoutSeconds: number,
  leadsHours: readonly number[] = DEFAULT_REMINDER_LEADS_HOURS,
): number[] {
  const leads = [...new Set(leadsHours.map((h) => Math.round(h * 3600)))].sort((a, b) => b - a);
  return leads.filter((lead) => lead > 0 && lead <= timeoutSeconds / 2);
}
