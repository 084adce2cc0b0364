import { useEffect, useState } from 'preact/hooks';
import type { CandleData, DatasetList, DatasetSummary, DatasetValidation, IngestInfo, PullState } from '../../src/api.ts';
import { api, live } from '../api.ts';
import { CandleChart } from '../charts/CandleChart.tsx';
import { Card, Empty, ErrorNotice, Loading, PageHead, Progress, Stat } from '../components/ui.tsx';
import { bytes, compact, duration, int, isNum, pct, utc } from '../lib/format.ts';
import { navigate } from '../lib/router.ts';
import { useAsync } from '../lib/useAsync.ts';

const RANGES = [
  ['all', 'All', 0],
  ['30d', '30 days', 30],
  ['7d', '7 days', 7],
  ['1d', '1 day', 1],
] as const;

function ValidationCard({ id }: { id: string }) {
  const v = useAsync(() => api.get<DatasetValidation>(`/api/datasets/${encodeURIComponent(id)}/validation`), [id]);
  if (v.error) return <ErrorNotice error={v.error} title="Validation failed to run" />;
  if (!v.data) return <Loading what="Reading and validating the bars" />;
  const s = v.data.stats;
  const check = (ok: boolean, text: string) => <span class={ok ? 'pos' : 'neg'}>{ok ? '✓' : '✗'} {text}</span>;
  return (
    <div class="grid" style={{ gap: '12px' }}>
      <div class="stats">
        <Stat label="status" value={v.data.ok ? <span class="pos">valid</span> : <span class="neg">errors</span>} />
        <Stat label="gaps" value={int(s.gaps.count)} class="small" />
        <Stat label="missing bars" value={int(s.gaps.missingBars)} class="small" />
        <Stat label="largest gap" value={s.gaps.largestMs > 0 ? duration(s.gaps.largestMs / 1000) : '–'} class="small" />
        <Stat label="zero-volume share" value={pct(s.zeroVolumeShare)} class="small" />
        <Stat label="OHLC problems" value={int(s.ohlcViolations)} class="small" />
      </div>
      <div class="legend-row">
        {check(s.duplicates === 0, `${int(s.duplicates)} duplicate times`)}
        {check(s.nonFinite === 0, `${int(s.nonFinite)} non-finite values`)}
        {check(s.ohlcViolations === 0, `${int(s.ohlcViolations)} OHLC inconsistencies`)}
        <span class="muted">{int(s.flatBars)} flat bars · checksums verified · read in {v.data.seconds.toFixed(2)} s</span>
      </div>
      {v.data.errors.length > 0 && (
        <div class="notice error">
          <strong>Errors</strong>
          <ul>{v.data.errors.slice(0, 8).map((e, i) => <li key={i}>{e.message}</li>)}</ul>
        </div>
      )}
      {v.data.warnings.length > 0 && (
        <div class="notice warn">
          <strong>Warnings</strong>
          <ul>{v.data.warnings.slice(0, 6).map((w, i) => <li key={i}>{w.message}</li>)}</ul>
        </div>
      )}
    </div>
  );
}

function Preview({ dataset }: { dataset: DatasetSummary }) {
  const [range, setRange] = useState<(typeof RANGES)[number][0]>('30d');
  const days = RANGES.find((r) => r[0] === range)![2];
  const last = Date.parse(dataset.lastTime);
  const from = days > 0 ? last - days * 86_400_000 : undefined;
  const candles = useAsync(
    () => api.get<CandleData>(`/api/datasets/${encodeURIComponent(dataset.id)}/candles?max=1500${from !== undefined ? `&from=${from}` : ''}`),
    [dataset.id, range],
  );
  return (
    <Card
      title="Candles"
      sub={candles.data ? `${int(candles.data.totalBars)} bars${candles.data.bucket > 1 ? `, shown as ${int(candles.data.time.length)} candles of ${candles.data.bucket} bars` : ''} · ${utc(candles.data.from)} → ${utc(candles.data.to)} UTC` : ' '}
      actions={RANGES.map(([key, label]) => (
        <button key={key} class={`small ${key === range ? 'primary' : ''}`} onClick={() => setRange(key)}>
          {label}
        </button>
      ))}
    >
      {candles.error ? <ErrorNotice error={candles.error} /> : candles.data ? <CandleChart data={candles.data} height={380} /> : <div style={{ height: '380px' }} />}
    </Card>
  );
}

function ImportCard({ onImported }: { onImported: (id: string) => void }) {
  const files = useAsync(() => api.get<{ dir: string; files: string[] }>('/api/imports'), []);
  const [form, setForm] = useState({ path: '', format: 'auto', source: '', symbol: 'BTC-USD', timeframe: '1m', id: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = (key: keyof typeof form) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value });
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = { path: form.path, format: form.format, source: form.source, symbol: form.symbol, timeframe: form.timeframe, ...(form.id ? { id: form.id } : {}) };
      const dataset = await api.post<DatasetSummary>('/api/datasets/import', body);
      onImported(dataset.id);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Import a file" sub={files.data ? <>from <code>{files.data.dir}</code></> : ' '}>
      <div class="grid" style={{ gap: '10px' }}>
        <label class="field">
          <span class="name">file</span>
          <input type="text" list="import-files" value={form.path} onInput={set('path')} placeholder="kraken/XBTUSD_1.csv" />
          <datalist id="import-files">{files.data?.files.map((f) => <option key={f} value={f} />)}</datalist>
          <span class="hint">{files.data ? `${files.data.files.length} file(s) in the imports folder` : ''}</span>
        </label>
        <div class="grid cols-2" style={{ gap: '10px' }}>
          <label class="field">
            <span class="name">format</span>
            <select value={form.format} onChange={set('format')}>
              <option value="auto">auto-detect</option>
              <option value="csv">CSV (header)</option>
              <option value="kraken-ohlcvt">Kraken OHLCVT</option>
              <option value="binance-klines">Binance klines</option>
            </select>
          </label>
          <label class="field">
            <span class="name">timeframe</span>
            <input type="text" value={form.timeframe} onInput={set('timeframe')} />
          </label>
          <label class="field">
            <span class="name">source</span>
            <input type="text" value={form.source} onInput={set('source')} placeholder="kraken" />
          </label>
          <label class="field">
            <span class="name">symbol</span>
            <input type="text" value={form.symbol} onInput={set('symbol')} />
          </label>
        </div>
        <label class="field">
          <span class="name">dataset id (optional)</span>
          <input type="text" value={form.id} onInput={set('id')} placeholder="<source>-<symbol>-<timeframe>" />
        </label>
        <ErrorNotice error={error} />
        <div>
          <button class="primary" disabled={busy || !form.path || !form.source} onClick={submit}>
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
      </div>
    </Card>
  );
}

function PullRow({ pull }: { pull: PullState }) {
  const [error, setError] = useState<unknown>(null);
  const p = pull.progress;
  return (
    <div class="grid" style={{ gap: '4px', padding: '8px 0', borderTop: '1px solid var(--line-2)' }} data-pull={pull.id}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: '8px' }}>
        <span class="mono" style={{ fontSize: '12.5px' }}>
          {pull.symbol} · {pull.exchange}
        </span>
        <span class={`pill ${pull.status === 'running' ? 'running' : pull.status === 'complete' ? 'complete' : pull.status === 'failed' ? 'failed' : 'cancelled'}`}>{pull.status}</span>
      </div>
      {p && <Progress value={p.fraction} />}
      <span class="hint muted" style={{ fontSize: '12px' }}>
        {p ? `${p.phase} · at ${utc(p.position)} · ${int(p.barsComplete)} bars${p.barsWritten < p.barsComplete ? ` (${int(p.barsWritten)} written)` : ''}, ${compact(p.trades)} trades${isNum(p.etaSeconds) ? ` · ETA ${duration(p.etaSeconds)}` : ''}` : 'starting…'}
        {p?.message ? ` · ${p.message}` : ''}
      </span>
      {pull.error && <span class="error" style={{ color: 'var(--bad)', fontSize: '12px' }}>{pull.error}</span>}
      {pull.status === 'running' && (
        <div>
          <button
            class="small danger"
            onClick={() =>
              api.post(`/api/ingest/pulls/${encodeURIComponent(pull.id)}/stop`).catch((e: unknown) => {
                setError(e);
              })
            }
          >
            Stop
          </button>
        </div>
      )}
      <ErrorNotice error={error} />
    </div>
  );
}

function IngestCard({ onDataset }: { onDataset: () => void }) {
  const info = useAsync(() => api.get<IngestInfo>('/api/ingest'), []);
  const [pulls, setPulls] = useState<readonly PullState[]>([]);
  const [form, setForm] = useState({ exchange: 'kraken', symbol: 'BTC/USD', since: '7d', timeframe: '1m', from: 'trades' });
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setPulls(info.data?.pulls ?? []), [info.data]);
  useEffect(
    () =>
      live.subscribe((event) => {
        if (event.type !== 'pull') return;
        setPulls((list) => [event.pull, ...list.filter((p) => p.id !== event.pull.id)]);
        if (event.pull.status === 'complete') onDataset();
      }),
    [],
  );
  if (!info.data) return null;
  if (!info.data.available) {
    return (
      <Card title="Exchange pull">
        <p class="muted" style={{ margin: 0 }}>
          Install <code>@tradecore/ingest</code> in the project to pull history from exchanges (ccxt) into the lake from here.
        </p>
      </Card>
    );
  }
  const set = (key: keyof typeof form) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value });
  const start = async () => {
    setError(null);
    try {
      const state = await api.post<PullState>('/api/ingest/pulls', form);
      setPulls((list) => [state, ...list.filter((p) => p.id !== state.id)]);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card
      title="Exchange pull"
      sub={
        info.data.defaults.restUrl ? (
          <span data-testid="pull-rest-url">
            from <span class="mono">{String(info.data.defaults.restUrl)}</span>, resumable
          </span>
        ) : (
          "bars built from the exchange's trades, resumable"
        )
      }
    >
      <div class="grid cols-2" style={{ gap: '10px' }}>
        <label class="field">
          <span class="name">exchange</span>
          <input type="text" value={form.exchange} onInput={set('exchange')} />
        </label>
        <label class="field">
          <span class="name">symbol</span>
          <input type="text" value={form.symbol} onInput={set('symbol')} />
        </label>
        <label class="field">
          <span class="name">since</span>
          <input type="text" value={form.since} onInput={set('since')} placeholder="2024-01-01 or 30d" />
        </label>
        <label class="field">
          <span class="name">from</span>
          <select value={form.from} onChange={set('from')}>
            <option value="trades">trades</option>
            <option value="ohlcv">exchange candles</option>
          </select>
        </label>
      </div>
      <div style={{ marginTop: '10px' }}>
        <button class="primary" onClick={start}>
          Start pull
        </button>
      </div>
      <ErrorNotice error={error} />
      {pulls.map((p) => (
        <PullRow key={p.id} pull={p} />
      ))}
    </Card>
  );
}

export function DataPage({ id }: { id: string | undefined }) {
  const list = useAsync(() => api.get<DatasetList>('/api/datasets'), []);
  const datasets = list.data?.datasets ?? [];
  const selected = datasets.find((d) => d.id === id) ?? datasets[0];
  useEffect(() => {
    if (!id && selected) navigate(['data', selected.id]);
  }, [id, selected?.id]);

  return (
    <>
      <PageHead title="Data" sub="Datasets in the lake: manifest, checksums, validation and candles." />
      {list.error && <ErrorNotice error={list.error} />}
      <div class="grid cols-side">
        <div class="grid" style={{ alignContent: 'start' }}>
          <Card title="Datasets" sub={list.data ? `${datasets.length} in the lake` : ' '} flush>
            {list.loading && !list.data ? (
              <Loading />
            ) : datasets.length === 0 ? (
              <Empty>No datasets yet. Import a file below, or run <code>tradecore data synth</code>.</Empty>
            ) : (
              <ul class="list">
                {datasets.map((d) => (
                  <li key={d.id} class={d.id === selected?.id ? 'active' : ''} onClick={() => navigate(['data', d.id])}>
                    <div class="title">{d.id}</div>
                    <div class="meta">
                      {d.symbol} · {d.timeframe} · {compact(d.rows)} bars {d.synthetic && <span class="pill synthetic">synthetic</span>}
                    </div>
                  </li>
                ))}
              </ul>
            )}
            {list.data && list.data.invalid.length > 0 && (
              <div class="notice warn" style={{ margin: '10px' }}>
                {list.data.invalid.map((i) => (
                  <div key={i.file}>
                    <code>{i.file}</code>: {i.error}
                  </div>
                ))}
              </div>
            )}
          </Card>
          <ImportCard
            onImported={(newId) => {
              list.reload();
              navigate(['data', newId]);
            }}
          />
          <IngestCard onDataset={list.reload} />
        </div>
        {selected ? (
          <div class="grid" style={{ alignContent: 'start' }}>
            <Card
              title={
                <>
                  {selected.id} {selected.synthetic && <span class="pill synthetic">synthetic</span>}
                </>
              }
              sub={selected.description ?? `${selected.source} · ${selected.symbol} · ${selected.timeframe}`}
            >
              <div class="stats">
                <Stat label="rows" value={int(selected.rows)} />
                <Stat label="from (UTC)" value={utc(selected.firstTime)} class="small" />
                <Stat label="to (UTC)" value={utc(selected.lastTime)} class="small" />
                <Stat label="timeframe" value={selected.timeframe} class="small" />
                <Stat label="partitions" value={`${selected.partitions.length} · ${selected.compression}`} class="small" />
                <Stat label="size" value={bytes(selected.partitions.reduce((s, p) => s + p.bytes, 0))} class="small" />
              </div>
              <div style={{ marginTop: '12px' }}>
                <ValidationCard id={selected.id} />
              </div>
            </Card>
            <Preview dataset={selected} />
            <Card title="Manifest" sub={`columns: ${selected.columns.map((c) => `${c.name} (${c.type})`).join(', ')} · ${selected.createdBy}`} flush>
              <div class="table-wrap">
                <table class="compact">
                  <thead>
                    <tr>
                      <th>partition</th>
                      <th class="num">rows</th>
                      <th>first (UTC)</th>
                      <th>last (UTC)</th>
                      <th class="num">size</th>
                      <th>sha256</th>
                    </tr>
                  </thead>
                  <tbody>
                    {selected.partitions.map((p) => (
                      <tr key={p.path}>
                        <td class="mono">{p.path}</td>
                        <td class="num">{int(p.rows)}</td>
                        <td class="nowrap">{utc(p.firstTime)}</td>
                        <td class="nowrap">{utc(p.lastTime)}</td>
                        <td class="num">{bytes(p.bytes)}</td>
                        <td class="mono" title={p.sha256}>
                          {p.sha256.slice(0, 12)}…
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Card>
          </div>
        ) : (
          !list.loading && <Card><Empty>Select a dataset.</Empty></Card>
        )}
      </div>
    </>
  );
}
