// Shown instead of the studio when the browser has no WebGPU, or no usable adapter.

export function NoWebGpu({ detail }: { detail?: string }) {
  return (
    <main className="no-webgpu" data-testid="no-webgpu">
      <h1>i3 Studio needs WebGPU</h1>
      <p>
        {detail ??
          'This browser does not offer WebGPU, which the studio uses to train models on your GPU.'}
      </p>
      <ul>
        <li>Use a current Chrome or Edge (version 113 or later) on Windows, macOS or ChromeOS.</li>
        <li>
          On Linux, start Chrome with <code>--enable-unsafe-webgpu</code>, or enable{' '}
          <code>chrome://flags/#enable-unsafe-webgpu</code>, then reload this page.
        </li>
        <li>Check that hardware acceleration is on in the browser settings.</li>
      </ul>
    </main>
  );
}
