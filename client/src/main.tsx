import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { loadRuntimeConfig } from './config';
import { SessionProvider } from './session/session';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

void loadRuntimeConfig().then((config) =>
  root.render(
    <StrictMode>
      <BrowserRouter>
        <SessionProvider config={config}>
          <App />
        </SessionProvider>
      </BrowserRouter>
    </StrictMode>,
  ),
);
