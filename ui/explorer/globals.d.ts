// Files esbuild bundles that TypeScript does not read: a stylesheet import adds the CSS to
// the bundle's stylesheet.
declare module '*.css';
