// Writes dist/apps/cli/package.json from apps/cli/package.json plus the npm packages the bundle
// really requires (webpack's external modules, versions from the root package.json), copies the
// README, LICENSE and CHANGELOG (when there is one), and makes the entry file executable.
const { builtinModules } = require('module');
const { chmodSync, existsSync, readFileSync } = require('fs');
const { basename, join } = require('path');

const builtins = new Set(builtinModules);

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; null for Node built-ins. */
function packageNameOf(request) {
  if (request.startsWith('node:') || builtins.has(request)) return null;
  const parts = request.split('/');
  const name = request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return builtins.has(name) ? null : name;
}

class CliPackagePlugin {
  constructor(options) {
    this.options = options;
  }

  apply(compiler) {
    const { webpack } = compiler;
    compiler.hooks.thisCompilation.tap('CliPackagePlugin', (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: 'CliPackagePlugin', stage: webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          const own = JSON.parse(readFileSync(this.options.packageJson, 'utf8'));
          const root = JSON.parse(readFileSync(this.options.rootPackageJson, 'utf8'));
          const ranges = { ...root.devDependencies, ...root.dependencies };
          const dependencies = {};
          for (const module of compilation.modules) {
            if (!(module instanceof webpack.ExternalModule)) continue;
            const request = Array.isArray(module.request) ? module.request[0] : module.request;
            const name = typeof request === 'string' ? packageNameOf(request) : null;
            if (!name) continue;
            const range = ranges[name];
            if (!range) {
              compilation.errors.push(
                new webpack.WebpackError(
                  `CliPackagePlugin: ${name} is not in the root package.json`,
                ),
              );
              continue;
            }
            dependencies[name] = range;
          }
          const sorted = Object.fromEntries(
            Object.entries(dependencies).sort(([a], [b]) => (a < b ? -1 : 1)),
          );
          const pkg = { ...own, private: undefined, main: './main.js', dependencies: sorted };
          compilation.emitAsset(
            'package.json',
            new webpack.sources.RawSource(`${JSON.stringify(pkg, null, 2)}\n`),
          );
          for (const file of [this.options.readme, ...(this.options.extraFiles ?? [])]) {
            if (!existsSync(file)) continue;
            compilation.emitAsset(
              basename(file),
              new webpack.sources.RawSource(readFileSync(file)),
            );
          }
        },
      );
    });
    compiler.hooks.afterEmit.tap('CliPackagePlugin', (compilation) => {
      const file = join(compilation.outputOptions.path, this.options.executable);
      if (existsSync(file)) chmodSync(file, 0o755);
    });
  }
}

module.exports = { CliPackagePlugin };
