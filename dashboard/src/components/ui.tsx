// Small building blocks every page uses: panels, status badges (colour plus text, never colour alone),
// explicit loading/empty/error states, and a confirmation dialog for anything with an effect.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { ApiError } from '../api';
import { humanize } from '../format';

export function Panel({
  title,
  actions,
  children,
  id,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  id?: string;
}) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId} id={id}>
      <header className="panel-head">
        <h2 id={headingId}>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

const STATUS_TONES: Record<string, Tone> = {
  ok: 'ok',
  completed: 'ok',
  succeeded: 'ok',
  executed: 'ok',
  approved: 'ok',
  success: 'ok',
  delivered: 'ok',
  passed: 'ok',
  below_target: 'bad',
  failed: 'bad',
  failure: 'bad',
  rejected: 'bad',
  blocked: 'bad',
  critical: 'bad',
  high: 'bad',
  terminated: 'bad',
  timed_out: 'bad',
  canceled: 'warn',
  cancelled: 'warn',
  paused: 'warn',
  halted: 'bad',
  dry_run: 'muted',
  shadow: 'muted',
  insufficient_data: 'muted',
  pending: 'warn',
  pending_approval: 'warn',
  medium: 'warn',
  running: 'info',
  low: 'info',
  info: 'muted',
  expired: 'muted',
  skipped: 'muted',
  recorded: 'info',
  planned: 'info',
};

export const toneOf = (status: string): Tone => STATUS_TONES[status] ?? 'muted';

const ICONS: Record<Tone, string> = { ok: '✓', warn: '!', bad: '✕', info: '●', muted: '○' };

export function Badge({ status, label, tone }: { status: string; label?: string; tone?: Tone }) {
  const t = tone ?? toneOf(status);
  return (
    <span className={`badge badge-${t}`} data-status={status}>
      <span aria-hidden="true">{ICONS[t]}</span> {label ?? humanize(status)}
    </span>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

export function ErrorState({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const title =
    error.kind === 'network'
      ? 'Api unreachable'
      : error.kind === 'unauthorized'
        ? 'API key rejected'
        : error.kind === 'forbidden'
          ? 'Not allowed'
          : 'Request failed';
  return (
    <div className="state state-error" role="alert">
      <strong>{title}.</strong> {error.message}
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Renders the usual four states of polled data; children only get data that is there. */
export function Async<T>({
  p,
  what,
  children,
  isEmpty,
  empty,
}: {
  p: { data: T | undefined; error: ApiError | undefined; loading: boolean; reload: () => void };
  what: string;
  children: (d: T) => ReactNode;
  isEmpty?: (d: T) => boolean;
  empty?: ReactNode;
}) {
  if (p.data === undefined) {
    if (p.error) return <ErrorState error={p.error} onRetry={p.reload} />;
    return <Loading what={what} />;
  }
  return (
    <>
      {p.error && <ErrorState error={p.error} onRetry={p.reload} />}
      {isEmpty?.(p.data) ? <Empty>{empty ?? `No ${what}.`}</Empty> : children(p.data)}
    </>
  );
}

/**
 * A modal confirmation (native <dialog>: focus trapped, Esc cancels). With `needReason` the operator
 * must say why; the reason goes into the audit log.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger,
  needReason,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  needReason?: boolean;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const reasonId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setReason('');
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open]);
  const ok = !needReason || reason.trim().length >= 3;
  return (
    <dialog
      ref={ref}
      className="dialog"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
      aria-label={title}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (ok) onConfirm(reason.trim());
        }}
      >
        <h2>{title}</h2>
        <div className="dialog-body">{children}</div>
        {needReason && (
          <div className="field">
            <label htmlFor={reasonId}>Reason (recorded in the audit log, at least 3 characters)</label>
            <textarea
              id={reasonId}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              rows={3}
              required
              minLength={3}
            />
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled={!ok}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
