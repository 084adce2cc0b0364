import { useEffect, useState } from 'preact/hooks';
import type { JsonSchema } from '../../src/api.ts';

/** Field errors by full path (`plugins[2].options.riskPct`), each the `path: message` line as the server wrote it. */
export type FieldErrors = ReadonlyMap<string, readonly string[]>;

type Values = Readonly<Record<string, unknown>>;

function joinPath(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function literals(schema: JsonSchema): unknown[] | null {
  if (schema.enum) return [...schema.enum];
  if (schema.anyOf && schema.anyOf.every((s) => s.const !== undefined)) return schema.anyOf.map((s) => s.const);
  return null;
}

/** `≥ 1`, `0 < x ≤ 1`: the bounds a schema states. */
export function boundsOf(schema: JsonSchema): string {
  const lo = schema.minimum !== undefined ? `${schema.minimum} ≤ ` : schema.exclusiveMinimum !== undefined ? `${schema.exclusiveMinimum} < ` : '';
  const hi = schema.maximum !== undefined ? ` ≤ ${schema.maximum}` : schema.exclusiveMaximum !== undefined ? ` < ${schema.exclusiveMaximum}` : '';
  if (!lo && !hi) return schema.type === 'integer' ? 'integer' : '';
  return `${lo}${schema.type === 'integer' ? 'n' : 'x'}${hi}`;
}

/** A reading aid beside some fields: fractions and basis points as percentages. */
function readingOf(name: string, value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (/Pct$|Fraction$/.test(name) && value <= 1) return `= ${(value * 100).toLocaleString('en-US', { maximumFractionDigits: 3 })} %`;
  if (/Bps$/.test(name)) return `= ${(value / 100).toLocaleString('en-US', { maximumFractionDigits: 4 })} %`;
  return null;
}

function parseNumber(text: string): number | string | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

function parseList(text: string): unknown {
  if (text.trim() === '') return undefined;
  const parts = text.split(/[,\s]+/).filter(Boolean);
  const numbers = parts.map(Number);
  return numbers.every(Number.isFinite) ? numbers : text;
}

const display = (value: unknown): string => (value === undefined || value === null ? '' : Array.isArray(value) ? value.join(', ') : String(value));

/** A text box that keeps what is being typed (`0.`, `-`) and reports the parsed value. */
function TextBox(props: { value: unknown; placeholder: string; parse: (text: string) => unknown; invalid: boolean; path: string; numeric: boolean; onValue: (value: unknown) => void }) {
  const [text, setText] = useState(display(props.value));
  useEffect(() => {
    if (props.parse(text) !== props.value && JSON.stringify(props.parse(text)) !== JSON.stringify(props.value)) setText(display(props.value));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.value]);
  return (
    <input
      type="text"
      inputMode={props.numeric ? 'decimal' : 'text'}
      class={props.invalid ? 'invalid' : ''}
      value={text}
      placeholder={props.placeholder}
      data-path={props.path}
      aria-invalid={props.invalid}
      onInput={(e) => {
        const next = (e.currentTarget as HTMLInputElement).value;
        setText(next);
        props.onValue(props.parse(next));
      }}
    />
  );
}

export function Field(props: { name: string; schema: JsonSchema; value: unknown; path: string; errors: FieldErrors; onChange: (value: unknown) => void }) {
  const { name, schema, value, path, errors } = props;
  const own = errors.get(path) ?? [];
  const options = literals(schema);
  const bounds = boundsOf(schema);
  const hint = schema.description;
  const defaultText = schema.default === undefined ? '' : Array.isArray(schema.default) && schema.default.length === 0 ? 'none' : display(schema.default);
  const reading = readingOf(name, value ?? schema.default);

  if (schema.type === 'boolean') {
    return (
      <div class="field checkbox">
        <input type="checkbox" data-path={path} checked={Boolean(value ?? schema.default)} onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).checked)} />
        <div class="text">
          <span class="name">{name}</span>
          {hint && <span class="hint">{hint}</span>}
          {own.map((m) => (
            <span class="error" key={m}>
              {m}
            </span>
          ))}
        </div>
      </div>
    );
  }

  let control;
  if (options) {
    control = (
      <select data-path={path} class={own.length ? 'invalid' : ''} value={display(value ?? schema.default)} onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}>
        {options.map((o) => (
          <option key={String(o)} value={String(o)}>
            {String(o)}
            {o === schema.default ? ' (default)' : ''}
          </option>
        ))}
      </select>
    );
  } else {
    const numeric = schema.type === 'number' || schema.type === 'integer';
    const list = schema.type === 'array';
    control = (
      <TextBox
        value={value}
        placeholder={defaultText ? `default ${defaultText}` : ''}
        parse={numeric ? parseNumber : list ? parseList : (t: string) => (t === '' ? undefined : t)}
        invalid={own.length > 0}
        path={path}
        numeric={numeric}
        onValue={props.onChange}
      />
    );
  }
  return (
    <div class="field">
      <div class="label-row">
        <span class="name">{name}</span>
        <span class="bounds">{[bounds, defaultText && `default ${defaultText}`].filter(Boolean).join(' · ')}</span>
      </div>
      {control}
      {reading && <span class="suffix">{reading}</span>}
      {hint && <span class="hint">{hint}</span>}
      {own.map((m) => (
        <span class="error" role="alert" data-error-for={path} key={m}>
          {m}
        </span>
      ))}
    </div>
  );
}

/**
 * The fields of an object schema, generated from the schema itself: types, bounds, defaults and descriptions
 * come from the JSON Schema the SDK or the plugin ships. A field left empty keeps the schema's default.
 */
export function SchemaFields(props: { schema: JsonSchema | null; value: Values; path: string; errors: FieldErrors; onChange: (value: Values) => void; only?: readonly string[] }) {
  const properties = props.schema?.properties ?? {};
  const names = Object.keys(properties).filter((n) => !props.only || props.only.includes(n));
  if (names.length === 0) return <div class="fields muted">no options</div>;
  const set = (name: string, v: unknown) => {
    const next: Record<string, unknown> = { ...props.value };
    if (v === undefined) delete next[name];
    else next[name] = v;
    props.onChange(next);
  };
  const scalars = names.filter((n) => properties[n]!.type !== 'object');
  const objects = names.filter((n) => properties[n]!.type === 'object');
  return (
    <>
      <div class="fields">
        {scalars.map((name) => (
          <Field key={name} name={name} schema={properties[name]!} value={props.value[name]} path={joinPath(props.path, name)} errors={props.errors} onChange={(v) => set(name, v)} />
        ))}
      </div>
      {objects.map((name) => (
        <div key={name}>
          <div class="fields" style={{ paddingBottom: 0 }}>
            <h3>{name}</h3>
          </div>
          <SchemaFields
            schema={properties[name]!}
            value={(props.value[name] ?? {}) as Values}
            path={joinPath(props.path, name)}
            errors={props.errors}
            onChange={(v) => set(name, Object.keys(v).length ? v : undefined)}
          />
        </div>
      ))}
    </>
  );
}
