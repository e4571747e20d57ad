import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Benchmarks in the browser (npm run bench:ui): the e2e setup, their own files (*.bench.ts), which
// print figures and assert nothing of speed.
export default defineConfig({ ...base, testMatch: '*.bench.ts', timeout: 600_000 });
