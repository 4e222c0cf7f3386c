import { useEffect, useRef, type ReactNode } from 'react';
import { Link, NavLink, useLocation, useNavigate } from 'react-router';
import { useSession } from '../session/session';
import { VerifyBanner } from './VerifyBanner';

export function Layout({ children }: { children: ReactNode }) {
  const { viewer, signOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After client-side navigation, move focus to the new page so screen readers announce it.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [location.pathname]);

  const next = encodeURIComponent(location.pathname + location.search);
  const onAuthPage = location.pathname === '/signin' || location.pathname === '/signup';

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container header-inner">
          {/* The name is the words shown (speech control says what it sees), also on a phone
              where only the mark is. */}
          <Link to="/" className="brand" aria-label="KO Ticket Master">
            <span className="brand-mark">KO</span> <span className="brand-name">Ticket Master</span>
          </Link>
          <nav aria-label="Main" className="main-nav">
            <NavLink to="/" end>
              Events
            </NavLink>
            {viewer?.role === 'ORGANIZER' && <NavLink to="/dashboard">Dashboard</NavLink>}
            {viewer && <NavLink to="/profile">My tickets</NavLink>}
          </nav>
          <div className="account">
            {viewer ? (
              <>
                <span className="account-name" title={viewer.email ?? undefined}>
                  {viewer.name}
                </span>
                <button
                  type="button"
                  className="button button-ghost button-small"
                  onClick={() => {
                    signOut();
                    navigate('/');
                  }}
                >
                  Sign out
                </button>
              </>
            ) : viewer === null ? (
              <>
                <Link
                  className="button button-ghost button-small"
                  to={onAuthPage ? '/signin' : `/signin?next=${next}`}
                >
                  Sign in
                </Link>
                <Link
                  className="button button-small"
                  to={onAuthPage ? '/signup' : `/signup?next=${next}`}
                >
                  Sign up
                </Link>
              </>
            ) : null}
          </div>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="container site-main">
        <VerifyBanner />
        {children}
      </main>
      <footer className="site-footer">
        <div className="container">
          KO Ticket Master · tickets, live chat and sales for every event
        </div>
      </footer>
    </>
  );
}
