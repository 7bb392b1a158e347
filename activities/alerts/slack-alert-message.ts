// The Slack Block Kit message of an alert (pure): title, severity, evidence summary, links to the dashboard
// and the Temporal Web UI, and a plain `text` fallback for notifications.
import type { Alert } from './port';
import { summarizeEvidence } from './evidence-summary';
import type { AlertLinks } from './links';

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

const SEVERITY_EMOJI: Record<string, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};

// Block Kit limits: a header's text is at most 150 characters, a section's 3000.
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function headline(alert: Alert): string {
  const { title, severity } = alert.finding;
  if (alert.kind === 'resolve') return `Resolved: ${title}`;
  if (alert.kind === 'remind') return `Still open: ${title}`;
  return `${severity.toUpperCase()}: ${title}`;
}

export function buildSlackAlertMessage(alert: Alert, links: AlertLinks): SlackMessage {
  const f = alert.finding;
  const emoji = alert.kind === 'resolve' ? ':white_check_mark:' : (SEVERITY_EMOJI[f.severity] ?? ':white_circle:');
  const head = headline(alert);
  const evidence = summarizeEvidence(f.evidence);
  return {
    text: clip(`${emoji} ${head} — ${evidence}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(head, 150), emoji: true } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Severity*\n${emoji} ${f.severity}` },
          { type: 'mrkdwn', text: `*Detector*\n${f.detector} / ${f.kind}` },
          { type: 'mrkdwn', text: `*Confidence*\n${Math.round(f.confidence * 100)}%` },
          { type: 'mrkdwn', text: `*First seen*\n${f.firstSeenAt}` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: clip(`*Evidence*\n${evidence}`, 3000) } },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Open the dashboard' }, url: links.dashboard },
          { type: 'button', text: { type: 'plain_text', text: 'Open in Temporal' }, url: links.temporal },
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: clip(`fingerprint \`${f.fingerprint}\` · cycle \`${alert.cycleId}\` · ${alert.at}`, 3000),
          },
        ],
      },
    ],
  };
}
