// When an approval posted to Slack is reminded in its thread: a day and an hour before the deadline, each
// only when it falls in the second half of the wait (a 1-hour approval gets no reminder 1 hour before).
const LEADS_SECONDS = [86_400, 3_600];

/** Seconds before the deadline at which to remind, largest first. */
export function slackReminderLeads(timeoutSeconds: number): number[] {
  return LEADS_SECONDS.filter((lead) => lead <= timeoutSeconds / 2);
}
