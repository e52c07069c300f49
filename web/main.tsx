import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { loadPresets } from './store.ts';
import { startUrlSync } from './url-state.ts';
import { startPlayback } from './playback.ts';
import { startKeyboard } from './keyboard.ts';
import './styles.css';

// Start the data flow outside React, so that StrictMode's double effects never send requests twice.
void loadPresets();
startUrlSync();
startPlayback();
startKeyboard();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
