// Alert routing and noise control (pure): from a finding's state, the deliveries already made and the policy,
// which deliveries to make now. One page per open finding and channel (an episode: trigger … resolve), a
// reminder per interval while it stays open, flapping findings held until stable, silences holding triggers
// and reminders (never resolves, so nothing stays paged).
import type { Severity } from '../types';
import type { AlertPolicy, Silence } from './policy';

export type AlertKind = 'trigger' | 'resolve' | 'remind';

export interface FindingAlertState {
  findingId: number;
  fingerprint: string;
  severity: Severity;
  detector: string;
  status: 'open' | 'resolved';
  /** The finding's status changes (its finding.opened/reopened/resolved audit entries), oldest first. */
  transitions: ReadonlyArray<{ at: string; status: 'open' | 'resolved' }>;
}

/** A row of engine.alert_deliveries; any status counts as made (the delivery layer retries its own key). */
export interface DeliveryRecord {
  channel: string;
  kind: AlertKind;
  dedupeKey: string;
  createdAt: string;
}

export interface PlannedDelivery {
  findingId: number;
  channel: string;
  kind: AlertKind;
  dedupeKey: string;
}

export interface HeldDelivery {
  channel: string;
  kind: AlertKind;
  reason: 'silenced' | 'flapping';
  /** When the hold ends at the earliest, if the policy says (a silence's end, the flap's stable point). */
  until: string;
}

export interface RoutingDecision {
  deliveries: PlannedDelivery[];
  held: HeldDelivery[];
}

const MINUTE = 60_000;

interface Episode {
  /** Resolves made so far on this channel: the index of the current or next episode. */
  index: number;
  open: boolean;
  /** The current episode's trigger and reminders, for the reminder interval. */
  lastNotifiedAt: number;
  reminders: number;
}

function episodeOf(records: readonly DeliveryRecord[]): Episode {
  const ep: Episode = { index: 0, open: false, lastNotifiedAt: 0, reminders: 0 };
  for (const r of [...records].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))) {
    const at = Date.parse(r.createdAt);
    if (r.kind === 'trigger') Object.assign(ep, { open: true, lastNotifiedAt: at, reminders: 0 });
    else if (r.kind === 'remind' && ep.open) Object.assign(ep, { lastNotifiedAt: at, reminders: ep.reminders + 1 });
    else if (r.kind === 'resolve' && ep.open) Object.assign(ep, { open: false, index: ep.index + 1 });
  }
  return ep;
}

function dedupeKeyOf(fingerprint: string, channel: string, kind: AlertKind, ep: Episode): string {
  const base = `${fingerprint}:${channel}:${kind}:${ep.index}`;
  return kind === 'remind' ? `${base}:${ep.reminders + 1}` : base;
}

function silenceMatches(s: Silence, f: FindingAlertState, now: number): boolean {
  return (
    Date.parse(s.startsAt) <= now &&
    now < Date.parse(s.endsAt) &&
    (!s.severities || s.severities.includes(f.severity)) &&
    (!s.detectors || s.detectors.includes(f.detector)) &&
    (!s.fingerprints || s.fingerprints.includes(f.fingerprint))
  );
}

/** The end of the latest active silence covering the finding, or null. */
export function silencedUntil(policy: AlertPolicy, f: FindingAlertState, now: number): number | null {
  const ends = policy.silences.filter((s) => silenceMatches(s, f, now)).map((s) => Date.parse(s.endsAt));
  return ends.length ? Math.max(...ends) : null;
}

/** While flapping, the moment the finding counts as stable again; null when it is not flapping. */
export function flappingUntil(policy: AlertPolicy, f: FindingAlertState, now: number): number | null {
  const times = f.transitions.map((t) => Date.parse(t.at)).filter((t) => t <= now);
  const recent = times.filter((t) => t > now - policy.flap.windowMinutes * MINUTE);
  if (recent.length <= policy.flap.maxTransitions) return null;
  const stableAt = Math.max(...recent) + policy.flap.stableMinutes * MINUTE;
  return stableAt > now ? stableAt : null;
}

export function decideDeliveries(input: {
  finding: FindingAlertState;
  deliveries: readonly DeliveryRecord[];
  policy: AlertPolicy;
  now: string;
}): RoutingDecision {
  const { finding: f, policy } = input;
  const now = Date.parse(input.now);
  const routed = new Set(policy.routes[f.severity]);
  const byChannel = new Map<string, DeliveryRecord[]>();
  for (const d of input.deliveries) byChannel.set(d.channel, [...(byChannel.get(d.channel) ?? []), d]);
  const channels = [...new Set([...routed, ...byChannel.keys()])].sort();
  const silenced = silencedUntil(policy, f, now);
  const flapping = flappingUntil(policy, f, now);

  const out: RoutingDecision = { deliveries: [], held: [] };
  const plan = (channel: string, kind: AlertKind, ep: Episode) =>
    out.deliveries.push({
      findingId: f.findingId,
      channel,
      kind,
      dedupeKey: dedupeKeyOf(f.fingerprint, channel, kind, ep),
    });
  const hold = (channel: string, kind: AlertKind, reason: HeldDelivery['reason'], until: number) =>
    out.held.push({ channel, kind, reason, until: new Date(until).toISOString() });

  for (const channel of channels) {
    const ep = episodeOf(byChannel.get(channel) ?? []);
    if (f.status === 'open' && !ep.open) {
      if (!routed.has(channel)) continue;
      if (flapping != null) hold(channel, 'trigger', 'flapping', flapping);
      else if (silenced != null) hold(channel, 'trigger', 'silenced', silenced);
      else plan(channel, 'trigger', ep);
    } else if (f.status === 'open' && ep.open) {
      const due = now >= ep.lastNotifiedAt + policy.reminders.everyMinutes * MINUTE;
      if (!due || !routed.has(channel) || !policy.reminders.channels.includes(channel)) continue;
      if (silenced != null) hold(channel, 'remind', 'silenced', silenced);
      else plan(channel, 'remind', ep);
    } else if (f.status === 'resolved' && ep.open) {
      if (flapping != null) hold(channel, 'resolve', 'flapping', flapping);
      else plan(channel, 'resolve', ep);
    }
  }
  return out;
}
