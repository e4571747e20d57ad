/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// Unit tests run WebGPU in Node through Dawn. Without a GPU, Dawn needs a Vulkan driver:
// Chromium's SwiftShader. Set before vitest forks its workers, so they inherit it.
if (process.env.VITEST && !process.env.VK_ICD_FILENAMES) {
  process.env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
  process.env.LD_LIBRARY_PATH = ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH]
    .filter(Boolean)
    .join(':');
}

export default defineConfig({
  plugins: [
    react(),
    // A service worker keeps the built studio (code, workers, the built-in corpus) in the browser:
    // once opened it opens and trains without a network, and it installs as an app. A new release
    // waits until the user takes it (registerType 'prompt', src/ui/shell/AppUpdate.tsx), never
    // reloading a page that trains. Not in `npm run dev`.
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      includeManifestIcons: false,
      manifest: {
        name: 'i3 Studio',
        short_name: 'i3 Studio',
        description:
          'Train, chat with and export i3 language models on your own GPU, in the browser.',
        display: 'standalone',
        background_color: '#0f172a',
        theme_color: '#0f172a',
        icons: [{ src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,json,gz}'],
        // The built-in corpus (public/data) is the largest file.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
      },
    }),
  ],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // The charting and React libraries in chunks of their own: each under the 500 kB warning, and
    // cached across releases of the studio's own code.
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'charts', test: /node_modules[\\/](recharts|d3-[^\\/]+|victory-vendor)[\\/]/ },
          ],
        },
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
