// The bundle's Python files as Vite bundles them for the browser (Node reads them from disk:
// nodePythonSources in pythonInterop.ts).

import type { PythonSources } from './bundle';
import configurationPy from './hf/configuration_i3.py?raw';
import modelingPy from './hf/modeling_i3.py?raw';
import trainPy from './hf/train_i3.py?raw';

export const browserPythonSources: PythonSources = {
  'configuration_i3.py': configurationPy,
  'modeling_i3.py': modelingPy,
  'train_i3.py': trainPy,
};
