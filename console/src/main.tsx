// The operator console: routes, sign-in gate and live feed.
import { render } from 'preact';
import { useEffect, useReducer } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { Layout } from './components/layout';
import { SignIn } from './components/sign-in';
import { live } from './live';
import { Capacity } from './pages/capacity';
import { Changes } from './pages/changes';
import { HostPage, Hosts } from './pages/hosts';
import { IncidentPage, Incidents } from './pages/incidents';
import { MaintenancePage } from './pages/maintenance';
import { Overview } from './pages/overview';
import { Problems } from './pages/problems';
import { ServicePage } from './pages/service';
import { session } from './session';

function SignInPage() {
  const { query, route } = useLocation();
  const next = query.next && query.next.startsWith('/') && !query.next.startsWith('//') ? query.next : '/';
  return <SignIn onDone={() => route(next, true)} />;
}

function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no console page here. <a href="/">Overview</a>
      </p>
    </>
  );
}

function App() {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => session.subscribe(() => rerender(0)), []);
  useEffect(() => live.start(), []);
  return (
    <LocationProvider>
      <Layout>
        {session.needsSignIn ? (
          <SignIn
            reason={
              session.tokenRefused
                ? 'The collector refused the API token of this session. Nothing was changed. Sign in again.'
                : 'This collector needs an API token for this: sign in to continue.'
            }
          />
        ) : (
          <Router>
            <Route path="/" component={Overview} />
            <Route path="/services" component={Overview} />
            <Route path="/services/:id" component={ServicePage} />
            <Route path="/incidents" component={Incidents} />
            <Route path="/incidents/:id" component={IncidentPage} />
            <Route path="/hosts" component={Hosts} />
            <Route path="/hosts/:host" component={HostPage} />
            <Route path="/capacity" component={Capacity} />
            <Route path="/changes" component={Changes} />
            <Route path="/problems" component={Problems} />
            <Route path="/maintenance" component={MaintenancePage} />
            <Route path="/sign-in" component={SignInPage} />
            <Route default component={NotFound} />
          </Router>
        )}
      </Layout>
    </LocationProvider>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the static "Loading…" placeholder
render(<App />, root);
