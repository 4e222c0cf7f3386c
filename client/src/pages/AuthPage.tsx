import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { ErrorNotice, useTitle } from '../components/common';
import { safeReturnPath } from '../lib/format';
import { useSession } from '../session/session';

const LoginDocument = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
      user {
        id
      }
    }
  }
`);

const RegisterDocument = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      token
      user {
        id
      }
    }
  }
`);

export function AuthPage({ mode }: { mode: 'signin' | 'signup' }) {
  const signingUp = mode === 'signup';
  useTitle(signingUp ? 'Sign up' : 'Sign in');
  const [params] = useSearchParams();
  const next = safeReturnPath(params.get('next'));
  const navigate = useNavigate();
  const { viewer, signIn } = useSession();
  const [login, runLogin] = useMutation(LoginDocument);
  const [register, runRegister] = useMutation(RegisterDocument);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'FAN' | 'ORGANIZER'>('FAN');
  const ids = { name: useId(), email: useId(), password: useId(), role: useId(), hint: useId() };

  // Already signed in (or just signed in): carry on to where the visitor was going; an
  // organizer who was going nowhere in particular lands on their dashboard.
  const going = params.get('next');
  useEffect(() => {
    if (!viewer) return;
    navigate(!going && viewer.role === 'ORGANIZER' ? '/dashboard' : next, { replace: true });
  }, [viewer, going, next, navigate]);

  const result = signingUp ? register : login;
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const outcome = signingUp
      ? await runRegister({ input: { name: name.trim(), email: email.trim(), password, role } })
      : await runLogin({ email: email.trim(), password });
    const payload =
      outcome.data && ('register' in outcome.data ? outcome.data.register : outcome.data.login);
    if (payload) signIn(payload.token);
  };

  const other = `${signingUp ? '/signin' : '/signup'}${params.get('next') ? `?next=${encodeURIComponent(next)}` : ''}`;
  return (
    <section className="auth-card card">
      <h1>{signingUp ? 'Create your account' : 'Sign in'}</h1>
      {params.get('next') && (
        <p className="muted">{signingUp ? 'Sign up' : 'Sign in'} to carry on where you were.</p>
      )}
      <form onSubmit={onSubmit} className="form" noValidate={false}>
        {signingUp && (
          <div className="field">
            <label htmlFor={ids.name}>Your name</label>
            <input
              id={ids.name}
              name="name"
              autoComplete="name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.email}>Email</label>
          <input
            id={ids.email}
            name="email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.password}>Password</label>
          <input
            id={ids.password}
            name="password"
            type="password"
            autoComplete={signingUp ? 'new-password' : 'current-password'}
            required
            minLength={signingUp ? 8 : undefined}
            aria-describedby={signingUp ? ids.hint : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {signingUp && (
            <small id={ids.hint} className="hint">
              At least 8 characters.
            </small>
          )}
        </div>
        {signingUp && (
          <fieldset className="field">
            <legend>I want to</legend>
            <div className="radio-row">
              <label className="radio">
                <input
                  type="radio"
                  name="role"
                  value="FAN"
                  checked={role === 'FAN'}
                  onChange={() => setRole('FAN')}
                />{' '}
                Buy tickets
              </label>
              <label className="radio">
                <input
                  type="radio"
                  name="role"
                  value="ORGANIZER"
                  checked={role === 'ORGANIZER'}
                  onChange={() => setRole('ORGANIZER')}
                />{' '}
                Organize events
              </label>
            </div>
          </fieldset>
        )}
        <ErrorNotice
          error={result.error}
          overrides={
            signingUp
              ? { CONFLICT: 'An account with this email already exists. Sign in instead.' }
              : { UNAUTHENTICATED: "That email and password don't match an account." }
          }
        />
        <button type="submit" className="button button-wide" disabled={result.fetching}>
          {result.fetching ? 'Please wait…' : signingUp ? 'Create account' : 'Sign in'}
        </button>
      </form>
      <p className="muted auth-switch">
        {signingUp ? 'Already have an account?' : 'New here?'}{' '}
        <Link to={other}>{signingUp ? 'Sign in' : 'Create an account'}</Link>
      </p>
    </section>
  );
}
