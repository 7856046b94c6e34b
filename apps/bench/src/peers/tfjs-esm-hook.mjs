// A module-resolution hook for one file tree: @tensorflow/tfjs-core/dist (its ES-module build).
// tfjs-core registers no gradients by itself; its dist/register_all_gradients.js does, but that ES-module graph
// imports '../gradients' where both gradients.js and a gradients/ folder exist, which Node's resolver rejects
// (ERR_UNSUPPORTED_DIR_IMPORT). Retrying with '.js' is what a bundler does. Nothing else is touched.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    const inTfjsCore = typeof context.parentURL === 'string' && context.parentURL.includes('/@tensorflow/tfjs-core/dist/');
    if (inTfjsCore && e && e.code === 'ERR_UNSUPPORTED_DIR_IMPORT' && specifier.startsWith('.')) {
      return next(`${specifier}.js`, context);
    }
    throw e;
  }
}
