// Imported first by the bench Worker, so this runs before the Worker's modules (and
// the package's WebAssembly instantiation) are evaluated.
// Date.now(): workerd's performance.now() stands still at module scope. 1 ms resolution.
export const started = Date.now();
