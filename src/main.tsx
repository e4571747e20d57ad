import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { NoWebGpu } from './ui/shell/NoWebGpu';
import './ui/studio.css';

const root = createRoot(document.getElementById('root')!);
root.render(<StrictMode>{'gpu' in navigator ? <App /> : <NoWebGpu />}</StrictMode>);
