import { Route, Routes } from 'react-router';
import { Layout } from './components/Layout';
import { HomePage } from './pages/HomePage';
import { EventPage } from './pages/EventPage';
import { WaitingRoomPage } from './pages/WaitingRoomPage';
import { AuthPage } from './pages/AuthPage';
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './pages/AccountMailPages';
import { OrderPage } from './pages/OrderPage';
import { ProfilePage } from './pages/ProfilePage';
import { DashboardPage } from './pages/DashboardPage';
import { DoorPage } from './pages/DoorPage';
import { NotFoundPage } from './pages/NotFoundPage';

export function App() {
  return (
    <Layout>
      <Routes>
        <Route path="/" element={<HomePage />} />
        <Route path="/events/:id" element={<EventPage />} />
        <Route path="/events/:id/queue" element={<WaitingRoomPage />} />
        <Route path="/signin" element={<AuthPage mode="signin" />} />
        <Route path="/signup" element={<AuthPage mode="signup" />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route path="/reset-password" element={<ResetPasswordPage />} />
        <Route path="/verify-email" element={<VerifyEmailPage />} />
        <Route path="/profile" element={<ProfilePage />} />
        <Route path="/orders/:id" element={<OrderPage />} />
        <Route path="/dashboard" element={<DashboardPage />} />
        <Route path="/dashboard/new" element={<DashboardPage creating />} />
        <Route path="/dashboard/events/:id" element={<DashboardPage />} />
        <Route path="/door/:eventId" element={<DoorPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </Layout>
  );
}
