import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ApiIssue, ControlState, JsonSchema, LaunchResult, PluginEntry, PluginInfo, SavedFile, StudioConfig, ToolManifestFile, ValidationResult } from '../../src/api.ts';
import { api, live, RequestError } from '../api.ts';
import { SchemaFields, type FieldErrors } from '../components/SchemaForm.tsx';
import { Card, ErrorNotice, Loading, PageHead, Switch } from '../components/ui.tsx';
import { href } from '../lib/router.ts';
import { useAsync } from '../lib/useAsync.ts';

type Values = Readonly<Record<string, unknown>>;

/** Trainer options shown first; the rest sit under "more". */
const TRAINER_MAIN = ['backend', 'totalSteps', 'numEnvs', 'hidden', 'learningRate', 'nSteps', 'minibatchSize', 'epochs'];

/** An entry names a plugin by its config name or its own name (not by package: a package may hold several plugins). */
function matches(entry: PluginEntry, plugin: PluginInfo): boolean {
  return entry.name === plugin.name || entry.name === plugin.pluginName;
}

function withoutSchemaKeys(schema: JsonSchema | undefined, drop: readonly string[]): JsonSchema | null {
  if (!schema?.properties) return schema ?? null;
  const properties = Object.fromEntries(Object.entries(schema.properties).filter(([k]) => !drop.includes(k)));
  return { ...schema, properties };
}

/** The line `tradecore validate` prints for an issue. */
const lineOf = (issue: ApiIssue) => issue.line ?? (issue.path ? `${issue.path}: ${issue.message}` : issue.message);

function errorMap(issues: readonly ApiIssue[]): FieldErrors {
  const map = new Map<string, string[]>();
  for (const issue of issues) {
    const line = lineOf(issue);
    map.set(issue.path, [...(map.get(issue.path) ?? []), line]);
  }
  return map;
}

function PluginCard(props: {
  plugin: PluginInfo;
  entry: PluginEntry | undefined;
  index: number;
  errors: FieldErrors;
  toggle?: (on: boolean) => void;
  onOptions: (options: Values) => void;
  only?: readonly string[];
  rest?: boolean;
}) {
  const { plugin, entry } = props;
  const on = entry !== undefined && entry.enabled !== false;
  const [more, setMore] = useState(false);
  const path = `plugins[${props.index}].options`;
  const entryErrors = props.errors.get(`plugins[${props.index}]`) ?? props.errors.get(`plugins[${props.index}].name`) ?? [];
  return (
    <div class={`plugin ${on ? '' : 'off'}`} data-plugin={plugin.name}>
      <div class="plugin-head">
        {props.toggle && <Switch checked={on} label={`enable ${plugin.name}`} onChange={props.toggle} />}
        <span class="title">{plugin.name}</span>
        <span class="desc ellipsis" title={plugin.description}>
          {plugin.description}
        </span>
        <span class="faint mono" style={{ fontSize: '11.5px' }}>
          {plugin.version}
        </span>
      </div>
      {entryErrors.length > 0 && (
        <div class="fields">
          {entryErrors.map((m) => (
            <span class="error field" key={m} style={{ color: 'var(--bad)', fontFamily: 'var(--mono)', fontSize: '12px' }}>
              {m}
            </span>
          ))}
        </div>
      )}
      {on && (
        <>
          <SchemaFields schema={plugin.optionsSchema} value={(entry?.options ?? {}) as Values} path={path} errors={props.errors} onChange={props.onOptions} {...(props.only ? { only: props.only } : {})} />
          {props.rest && (
            <>
              <div class="fields" style={{ paddingTop: 0 }}>
                <button class="small ghost" onClick={() => setMore(!more)}>
                  {more ? '▾ fewer options' : '▸ more options'}
                </button>
              </div>
              {more && (
                <SchemaFields
                  schema={withoutSchemaKeys(plugin.optionsSchema ?? undefined, props.only ?? [])}
                  value={(entry?.options ?? {}) as Values}
                  path={path}
                  errors={props.errors}
                  onChange={props.onOptions}
                />
              )}
            </>
          )}
        </>
      )}
    </div>
  );
}

/** Scrolls to the field a `path: message` issue names (or its nearest named parent) and focuses it. */
function focusField(issuePath: string): void {
  for (let p = issuePath; p; p = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '')) {
    const el = document.querySelector<HTMLElement>(`[data-path="${CSS.escape(p)}"]`);
    if (el) {
      el.scrollIntoView({ block: 'center', behavior: 'smooth' });
      el.focus({ preventScroll: true });
      return;
    }
    if (!/(\.[^.[\]]+|\[\d+\])$/.test(p)) return;
  }
}

function Section(props: { title: string; sub?: string; children: preact.ComponentChildren; id?: string }) {
  return (
    <details class="form-section" open id={props.id}>
      <summary>
        <span>
          {props.title} {props.sub && <span class="muted" style={{ fontWeight: 400, fontSize: '12.5px', marginLeft: '8px' }}>{props.sub}</span>}
        </span>
      </summary>
      {props.children}
    </details>
  );
}

export function ControlPage() {
  const state = useAsync(() => api.get<ControlState>('/api/control'), []);
  if (state.error) return <ErrorNotice error={state.error} title="Cannot load the control panel" />;
  if (!state.data) return <Loading />;
  return <ControlForm state={state.data} />;
}

function ControlForm({ state }: { state: ControlState }) {
  const [config, setConfig] = useState<StudioConfig>(state.config);
  const [validation, setValidation] = useState<ValidationResult | null>(null);
  const [validating, setValidating] = useState(false);
  const [autoValidate, setAutoValidate] = useState(false);
  const [launching, setLaunching] = useState(false);
  const [launches, setLaunches] = useState<LaunchResult[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [manifest, setManifest] = useState<ToolManifestFile | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [configName, setConfigName] = useState('studio');
  const seq = useRef(0);

  // A launch answered before its run named itself learns the id from the live feed.
  useEffect(
    () =>
      live.subscribe((event) => {
        if (event.type === 'launch' && event.runId) setLaunches((list) => list.map((l) => (l.launchId === event.launchId ? { ...l, runId: event.runId } : l)));
        if (event.type === 'launch' && event.state === 'failed') setError(new Error(`launch ${event.launchId} failed before it started a run:\n${event.message ?? ''}`));
      }),
    [],
  );

  const indicators = state.plugins.filter((p) => p.kind === 'indicator');
  const guard = state.plugins.find((p) => p.kind === 'risk-guard');
  const trainers = state.plugins.filter((p) => p.kind === 'trainer');
  const others = state.plugins.filter((p) => !['indicator', 'risk-guard', 'trainer'].includes(p.kind));
  const errors = useMemo(() => errorMap(validation?.issues ?? []), [validation]);

  const validate = async (next: StudioConfig) => {
    const mine = ++seq.current;
    setValidating(true);
    try {
      const result = await api.post<ValidationResult>('/api/validate', { config: next });
      if (mine === seq.current) setValidation(result);
    } catch (e) {
      if (mine === seq.current) setError(e);
    } finally {
      if (mine === seq.current) setValidating(false);
    }
  };

  // Once validated, every change is checked again (debounced), so a fixed value clears its error.
  useEffect(() => {
    if (!autoValidate) return;
    const timer = setTimeout(() => void validate(config), 350);
    return () => clearTimeout(timer);
  }, [config, autoValidate]);

  const entryIndex = (plugin: PluginInfo) => config.plugins.findIndex((e) => matches(e, plugin));
  const setEntry = (plugin: PluginInfo, update: (entry: PluginEntry | undefined) => PluginEntry) => {
    const at = entryIndex(plugin);
    const plugins = config.plugins.slice();
    if (at < 0) plugins.push(update(undefined));
    else plugins[at] = update(plugins[at]);
    setConfig({ ...config, plugins });
  };
  const toggle = (plugin: PluginInfo) => (on: boolean) => setEntry(plugin, (e) => ({ name: e?.name ?? plugin.name, enabled: on, options: e?.options ?? {} }));
  const setOptions = (plugin: PluginInfo) => (options: Values) => setEntry(plugin, (e) => ({ name: e?.name ?? plugin.name, enabled: e?.enabled ?? true, options }));
  const section = (key: 'execution' | 'env' | 'run') => (value: Values) => setConfig({ ...config, [key]: value });

  const loadManifest = async (name: string) => {
    setError(null);
    if (!name) {
      setManifest(null);
      return;
    }
    try {
      const file = await api.get<ToolManifestFile>(`/api/tools/${encodeURIComponent(name)}`);
      setManifest(file);
      const names = new Set(file.manifest.tools.map((t) => t.name));
      const kept = config.plugins.filter((e) => !indicators.some((p) => matches(e, p)) && !names.has(e.name));
      setConfig({ ...config, plugins: [...kept, ...file.manifest.tools.map((t) => ({ name: t.name, enabled: t.enabled ?? true, options: t.options ?? {} }))] });
    } catch (e) {
      setError(e);
    }
  };

  const saveManifest = async () => {
    if (!manifest) return;
    setError(null);
    setSaved(null);
    const tools = config.plugins.filter((e) => indicators.some((p) => matches(e, p))).map((e) => ({ name: e.name, enabled: e.enabled ?? true, options: e.options ?? {} }));
    try {
      const result = await api.put<SavedFile>(`/api/tools/${encodeURIComponent(manifest.name)}`, { manifest: { tools }, version: manifest.version });
      setManifest({ ...manifest, manifest: { tools }, version: result.version });
      setSaved(`saved ${result.file}`);
    } catch (e) {
      setError(e);
    }
  };

  const saveConfig = async () => {
    setError(null);
    setSaved(null);
    try {
      let version = 'absent';
      try {
        version = (await api.get<{ version: string }>(`/api/configs/${encodeURIComponent(configName)}`)).version;
        if (!confirm(`Replace configs/${configName}.json?`)) return;
      } catch (e) {
        if (!(e instanceof RequestError && e.status === 404)) throw e;
      }
      const result = await api.put<SavedFile>(`/api/configs/${encodeURIComponent(configName)}`, { config, version });
      setSaved(`saved ${result.file}`);
    } catch (e) {
      setError(e);
    }
  };

  const launch = async () => {
    setError(null);
    setLaunching(true);
    try {
      const result = await api.post<LaunchResult>('/api/runs', { config });
      setLaunches([result, ...launches]);
    } catch (e) {
      if (e instanceof RequestError && e.issues.length > 0) {
        setValidation({ ok: false, issues: e.issues, summary: [] });
        setAutoValidate(true);
      }
      setError(e);
    } finally {
      setLaunching(false);
    }
  };

  const execution = state.sections.execution!;
  const env = state.sections.env!;
  const run = withoutSchemaKeys(state.sections.run, ['out']);
  const issues = validation?.issues ?? [];

  return (
    <>
      <PageHead
        title="Control"
        sub={
          <>
            Configure a run and launch <code>tradecore run</code> with exactly these settings.
            {state.configFile && (
              <>
                {' '}
                Started from <code>{state.configFile}</code>.
              </>
            )}
          </>
        }
      />
      {state.warnings.length > 0 && (
        <div class="notice warn" style={{ marginBottom: '16px' }}>
          {state.warnings.map((w) => (
            <div key={w}>{w}</div>
          ))}
        </div>
      )}
      <div class="grid cols-main-side">
        <div class="card" id="control-form">
          <Section title="Dataset and tools" id="section-data">
            <div class="fields">
              <label class="field">
                <span class="name">dataset</span>
                <select data-path="dataset" class={errors.has('dataset') ? 'invalid' : ''} value={config.dataset} onChange={(e) => setConfig({ ...config, dataset: (e.currentTarget as HTMLSelectElement).value })}>
                  {!state.datasets.includes(config.dataset) && <option value={config.dataset}>{config.dataset || '(none)'}</option>}
                  {state.datasets.map((d) => (
                    <option key={d} value={d}>
                      {d}
                    </option>
                  ))}
                </select>
                {(errors.get('dataset') ?? []).map((m) => (
                  <span class="error" key={m}>
                    {m}
                  </span>
                ))}
              </label>
              <label class="field">
                <span class="name">tool manifest</span>
                <select value={manifest?.name ?? ''} onChange={(e) => void loadManifest((e.currentTarget as HTMLSelectElement).value)}>
                  <option value="">(indicators of the config)</option>
                  {state.toolManifests.map((m) => (
                    <option key={m} value={m}>
                      configs/tools/{m}.json
                    </option>
                  ))}
                </select>
                <span class="hint">Loads its indicators into the form; Save writes them back.</span>
              </label>
            </div>
          </Section>
          <Section title="Indicators" sub={`${indicators.filter((p) => config.plugins.some((e) => matches(e, p) && e.enabled !== false)).length} of ${indicators.length} on`} id="section-indicators">
            {indicators.map((p) => {
              const index = entryIndex(p);
              return <PluginCard key={p.pluginName} plugin={p} entry={config.plugins[index]} index={index < 0 ? config.plugins.length : index} errors={errors} toggle={toggle(p)} onOptions={setOptions(p)} />;
            })}
          </Section>
          {others.length > 0 && (
            <Section title="Execution helpers" sub="optional plugins that shape orders before the risk guard sizes them" id="section-helpers">
              {others.map((p) => {
                const index = entryIndex(p);
                return <PluginCard key={p.pluginName} plugin={p} entry={config.plugins[index]} index={index < 0 ? config.plugins.length : index} errors={errors} toggle={toggle(p)} onOptions={setOptions(p)} />;
              })}
            </Section>
          )}
          {guard && (
            <Section title="Risk guard" sub="sizes every entry from its stop" id="section-guard">
              {(() => {
                const index = entryIndex(guard);
                return <PluginCard plugin={guard} entry={config.plugins[index] ?? { name: guard.name, options: {} }} index={index < 0 ? config.plugins.length : index} errors={errors} onOptions={setOptions(guard)} />;
              })()}
            </Section>
          )}
          <Section title="Fees and execution" id="section-execution">
            <SchemaFields schema={execution} value={(config.execution ?? {}) as Values} path="execution" errors={errors} onChange={section('execution')} />
          </Section>
          <Section title="Environment" id="section-env">
            <SchemaFields schema={env} value={(config.env ?? {}) as Values} path="env" errors={errors} onChange={section('env')} />
          </Section>
          <Section title="Trainer" id="section-trainer">
            {trainers.map((t) => {
              const index = entryIndex(t);
              return (
                <PluginCard
                  key={t.pluginName}
                  plugin={t}
                  entry={config.plugins[index] ?? { name: t.name, options: {} }}
                  index={index < 0 ? config.plugins.length : index}
                  errors={errors}
                  onOptions={setOptions(t)}
                  only={TRAINER_MAIN}
                  rest
                />
              );
            })}
          </Section>
          <Section title="Run" sub="seed and time split" id="section-run">
            <SchemaFields schema={run} value={(config.run ?? {}) as Values} path="run" errors={errors} onChange={section('run')} />
          </Section>
        </div>
        <aside class="sticky-side">
          <Card title="Check and launch">
            <div class="grid" style={{ gap: '12px' }}>
              <div class="btn-row">
                <button
                  onClick={() => {
                    setAutoValidate(true);
                    void validate(config);
                  }}
                  disabled={validating}
                >
                  {validating ? 'Validating…' : 'Validate'}
                </button>
                <button class="primary" onClick={launch} disabled={launching || (validation !== null && !validation.ok)}>
                  {launching ? 'Launching…' : 'Launch run'}
                </button>
              </div>
              {validation && validation.ok && (
                <div class="notice ok" data-testid="validation-ok">
                  <strong>Ready to run</strong>
                  <ul class="summary-list" style={{ marginTop: '6px' }}>
                    {validation.summary.map((s) => (
                      <li key={s}>{s}</li>
                    ))}
                  </ul>
                </div>
              )}
              {issues.length > 0 && (
                <div class="notice error" data-testid="validation-issues">
                  <strong>
                    {issues.length} problem{issues.length === 1 ? '' : 's'}
                  </strong>
                  <ul class="issues">
                    {issues.map((i) => (
                      <li key={`${i.path}${i.message}`} onClick={() => focusField(i.path)} title="show the field" style={{ cursor: 'pointer' }}>
                        {lineOf(i)}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              <ErrorNotice error={issues.length > 0 && error instanceof RequestError && error.issues.length > 0 ? null : error} />
              {launches.map((l) => (
                <div class="notice info" key={l.launchId} data-testid="launched">
                  Launched {l.runId ? <a href={href(['runs', l.runId])}>{l.runId}</a> : <>a run (starting, pid {l.pid})</>}.{' '}
                  <a href="#/runs">Watch it on Runs →</a>
                </div>
              ))}
            </div>
          </Card>
          <Card title="Save">
            <div class="grid" style={{ gap: '10px' }}>
              <div class="btn-row">
                <button onClick={saveManifest} disabled={!manifest} title={manifest ? `write the indicators to configs/tools/${manifest.name}.json` : 'choose a tool manifest first'}>
                  Save tool manifest
                </button>
              </div>
              <div class="btn-row" style={{ flexWrap: 'nowrap' }}>
                <input type="text" value={configName} onInput={(e) => setConfigName((e.currentTarget as HTMLInputElement).value)} aria-label="config name" style={{ width: '140px' }} />
                <button onClick={saveConfig}>Save config</button>
              </div>
              <span class="hint muted" style={{ fontSize: '12px' }}>
                Writes <code>configs/{configName || '…'}.json</code> atomically; a file changed on disk since it was loaded is never overwritten.
              </span>
              {saved && <div class="notice ok">{saved}</div>}
            </div>
          </Card>
        </aside>
      </div>
    </>
  );
}
