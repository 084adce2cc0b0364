import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { live } from './api.ts';
import { useRoute } from './lib/router.ts';
import { ComparePage } from './pages/Compare.tsx';
import { ControlPage } from './pages/Control.tsx';
import { DataPage } from './pages/Data.tsx';
import { ReplayPage } from './pages/Replay.tsx';
import { RunPage } from './pages/Run.tsx';
import { RunsPage } from './pages/Runs.tsx';
import { SweepPage } from './pages/Sweeps.tsx';

const TABS = [
  ['data', 'Data'],
  ['control', 'Control'],
  ['runs', 'Runs'],
  ['compare', 'Compare'],
  ['replay', 'Replay'],
] as const;

function LiveStatus() {
  const [connected, setConnected] = useState(live.connected);
  useEffect(() => live.onStatus(setConnected), []);
  return (
    <span class="status" title={connected ? 'live updates connected' : 'reconnecting to the studio…'}>
      <span class={`dot ${connected ? 'on' : 'off'}`} />
      {connected ? 'live' : 'offline'}
    </span>
  );
}

function App() {
  const route = useRoute();
  const page = route.parts[0] ?? 'runs';
  // Sweeps live under the Runs tab.
  const tab = page === 'sweeps' ? 'runs' : page;
  useEffect(() => {
    const title = TABS.find(([key]) => key === tab)?.[1] ?? 'Runs';
    document.title = `${title} · TradeCore Studio`;
  }, [tab]);
  let content;
  switch (page) {
    case 'data':
      content = <DataPage id={route.parts[1]} />;
      break;
    case 'control':
      content = <ControlPage />;
      break;
    case 'compare':
      content = <ComparePage ids={(route.query.get('ids') ?? '').split(',').filter(Boolean)} />;
      break;
    case 'replay':
      content = <ReplayPage id={route.parts[1]} fold={route.query.has('fold') ? Number(route.query.get('fold')) : undefined} step={route.query.has('step') ? Number(route.query.get('step')) : undefined} time={route.query.has('time') ? Number(route.query.get('time')) : undefined} />;
      break;
    case 'runs':
      content = route.parts[1] ? <RunPage id={route.parts[1]} /> : <RunsPage />;
      break;
    case 'sweeps':
      content = route.parts[1] ? <SweepPage id={route.parts[1]} /> : <RunsPage />;
      break;
    default:
      content = <RunsPage />;
  }
  return (
    <>
      <header class="topbar">
        <div class="brand">
          <span class="logo">
            <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
              <path d="M2 12l4-4 3 3 5-6" stroke="white" stroke-width="2" fill="none" stroke-linecap="round" stroke-linejoin="round" />
            </svg>
          </span>
          TradeCore <small>Studio</small>
        </div>
        <nav class="tabs">
          {TABS.map(([key, label]) => (
            <a key={key} href={`#/${key}`} class={tab === key ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <span class="spacer" />
        <LiveStatus />
      </header>
      <main>{content}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
