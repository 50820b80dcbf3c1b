// The main thread's handle on the engine worker: each call is a message and a promise.

export function startEngine() {
  const worker = new Worker(new URL("./engine.worker.js", import.meta.url), { type: "module" });
  const pending = new Map();
  let next = 1;
  let readyResolve;
  let readyReject;
  const ready = new Promise((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  worker.onmessage = ({ data }) => {
    if (data.ready) {
      performance.mark("engine-ready");
      return readyResolve();
    }
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.ok) p.resolve(data.result);
    else p.reject(Object.assign(new Error(data.error.message), { code: data.error.code }));
  };
  worker.onerror = (e) => {
    const failure = new Error(`the engine worker failed: ${e.message ?? "it could not load"}`);
    readyReject(failure);
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  /** `call(type, args)` → the handler's result (once the worker has loaded the engine). */
  const call = async (type, args) => {
    await ready;
    return new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, type, args });
    });
  };
  return { call, ready };
}
