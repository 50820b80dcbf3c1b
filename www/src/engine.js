// The main thread's handle on the engine worker: each call is a message and a promise.

export function startEngine() {
  const worker = new Worker(new URL("./engine.worker.js", import.meta.url), { type: "module" });
  const pending = new Map();
  let next = 1;
  let readyResolve;
  const ready = new Promise((r) => (readyResolve = r));
  worker.onmessage = ({ data }) => {
    if (data.ready) return readyResolve();
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.ok) p.resolve(data.result);
    else p.reject(Object.assign(new Error(data.error.message), { code: data.error.code }));
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(`the engine worker failed: ${e.message}`));
    pending.clear();
  };
  /** `call(type, args)` → the handler's result. */
  const call = (type, args) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, type, args });
    });
  return { call, ready };
}
