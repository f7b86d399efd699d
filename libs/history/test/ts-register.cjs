// Lets child processes spawned by the specs `require` this lib's TypeScript sources directly
// (transpile only; type checking is the job of the specs and the build).
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      importHelpers: false,
      sourceMap: false,
      inlineSourceMap: false,
    },
  });
  module._compile(outputText, filename);
};

// The one workspace import that has runtime code, resolved to its source as the path alias does.
const Module = require('node:module');
const path = require('node:path');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@runbooks/types') return path.join(__dirname, '../../types/src/index.ts');
  return resolveFilename.call(this, request, ...rest);
};
