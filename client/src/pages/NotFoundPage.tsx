import { Link } from 'react-router';
import { useTitle } from '../components/common';

export function NotFoundPage() {
  useTitle('Page not found');
  return (
    <section className="empty-state">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link className="button" to="/">
        Browse events
      </Link>
    </section>
  );
}
