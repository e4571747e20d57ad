import { it } from 'vitest';
import { matmul } from '../ops/matmul';
import { randomArray } from '../util/random';
import { testRuntime } from './testing';

it('x', async () => {
  const rt = await testRuntime();
  const [M, N, K] = [7, 13, 5];
  const a = randomArray(M * K, 1);
  const b = randomArray(K * N, 2);
  const c0 = randomArray(M * N, 3);
  console.log('x');
  const A = rt.bufferFrom('A', a);
  const B = rt.bufferFrom('B', b);
  const C = rt.bufferFrom('C', c0);
  console.log('y');
  const l = await matmul(rt, A, B, C, { M, N, K });
  console.log('y2');
  rt.run([l]);
  console.log('z');
  const got = await rt.readF32(C);
  console.log(got.length);
  for (const x of [A, B, C]) rt.destroy(x);
  console.log('destroyed');
});
