// SLACK_OPERATORS: which Slack users may decide approvals from Slack, as whom and with which role.
// Format: comma-separated `<Slack user id>=<operator>[:<role>]`, e.g. `U123=alice:operator,U456=bob:admin`;
// the role defaults to operator. Pure, so the config module and the tests share it.

export const SLACK_OPERATOR_ROLES = ['viewer', 'operator', 'admin'] as const;
export type SlackOperatorRole = (typeof SLACK_OPERATOR_ROLES)[number];

export interface SlackOperator {
  operator: string;
  role: SlackOperatorRole;
}

/** Slack user id → operator; throws an Error whose message says which entry is wrong and why. */
export function parseSlackOperators(raw: string): Map<string, SlackOperator> {
  const out = new Map<string, SlackOperator>();
  for (const entry of raw.split(',').map((e) => e.trim())) {
    if (!entry) continue;
    const m = /^([A-Z0-9]{2,32})=([A-Za-z0-9._@-]{1,64})(?::([a-z]+))?$/.exec(entry);
    if (!m) throw new Error(`'${entry}' is not <Slack user id>=<operator>[:<role>], e.g. U123=alice:operator`);
    const role = (m[3] ?? 'operator') as SlackOperatorRole;
    if (!SLACK_OPERATOR_ROLES.includes(role))
      throw new Error(`'${entry}': the role must be one of ${SLACK_OPERATOR_ROLES.join(', ')}`);
    if (out.has(m[1]!)) throw new Error(`'${m[1]}' is mapped twice`);
    out.set(m[1]!, { operator: m[2]!, role });
  }
  return out;
}
