import type { ComponentChildren } from 'preact';
import type { RunStatus } from '../../src/api.ts';
import { RequestError } from '../api.ts';

export function Card(props: { title?: ComponentChildren; sub?: ComponentChildren; actions?: ComponentChildren; flush?: boolean; children?: ComponentChildren; class?: string; id?: string }) {
  return (
    <section class={`card ${props.class ?? ''}`} id={props.id}>
      {(props.title || props.actions) && (
        <div class="card-head">
          <div>
            {props.title && <h2>{props.title}</h2>}
            {props.sub && <div class="sub">{props.sub}</div>}
          </div>
          {props.actions && <div class="btn-row">{props.actions}</div>}
        </div>
      )}
      <div class={`card-body ${props.flush ? 'flush' : ''}`}>{props.children}</div>
    </section>
  );
}

export function PageHead(props: { title: string; sub?: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <div class="page-head">
      <div>
        <h1>{props.title}</h1>
        {props.sub && <p>{props.sub}</p>}
      </div>
      {props.actions && <div class="btn-row">{props.actions}</div>}
    </div>
  );
}

const STATUS_TEXT: Record<RunStatus, string> = {
  running: 'running',
  complete: 'complete',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

export function StatusPill({ status }: { status: RunStatus }) {
  return (
    <span class={`pill ${status}`} data-status={status}>
      {status === 'running' && <span class="spin" />}
      {STATUS_TEXT[status]}
    </span>
  );
}

export function Progress({ value }: { value: number }) {
  const width = `${Math.max(0, Math.min(1, value)) * 100}%`;
  return (
    <div class="progress" role="progressbar" aria-valuenow={Math.round(value * 100)} aria-valuemin={0} aria-valuemax={100}>
      <div style={{ width }} />
    </div>
  );
}

/** An error from the API with its `path: message` lines, or any other error's message. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const issues = error instanceof RequestError ? error.issues : [];
  return (
    <div class="notice error" role="alert">
      <strong>{title ?? (error instanceof Error ? error.message : String(error))}</strong>
      {title && <div>{error instanceof Error ? error.message : String(error)}</div>}
      {issues.length > 0 && (
        <ul>
          {issues.map((i) => (
            <li key={`${i.path}${i.message}`}>
              <code>{i.line ?? (i.path ? `${i.path}: ${i.message}` : i.message)}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <div class="empty">{what}…</div>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Stat({ label, value, class: cls }: { label: string; value: ComponentChildren; class?: string }) {
  return (
    <div class="stat">
      <div class="label">{label}</div>
      <div class={`value ${cls ?? ''}`}>{value}</div>
    </div>
  );
}

export function Switch({ checked, onChange, label }: { checked: boolean; onChange: (value: boolean) => void; label: string }) {
  return (
    <label class="switch" title={label}>
      <input type="checkbox" checked={checked} aria-label={label} onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked)} />
      <span />
    </label>
  );
}
