// Resolve hook: `@tradekit/<pkg>` → packages/<pkg>/src/index.ts, `@tradekit/<pkg>/<sub>` → src/<sub>.ts.
const ROOT = new URL('../../../', import.meta.url);

export async function resolve(specifier, context, next) {
  const m = /^@tradekit\/([a-z0-9-]+)(?:\/(.+))?$/.exec(specifier);
  if (m) return next(new URL(`packages/${m[1]}/src/${m[2] ?? 'index'}.ts`, ROOT).href, context);
  return next(specifier, context);
}
