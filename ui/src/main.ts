import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';

async function start() {
  // In `npm run dev` outside a Tauri window, a made-up backend stands in for Rust.
  // `import.meta.env.DEV` is false in `npm run build`, so none of it reaches ui/dist.
  if (import.meta.env.DEV && !('__TAURI_INTERNALS__' in window)) {
    (await import('./dev/mock-backend')).install();
  }
  mount(App, { target: document.getElementById('app')! });
}

start();
