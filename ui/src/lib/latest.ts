import type { Ref } from "vue";

/**
 * For a store's reload: `run(fetch, apply)` sets `loading`, and only the newest call's answer is applied (a slower,
 * older answer never overwrites a newer one); `loading` ends with the newest call.
 */
export function latestOnly(loading: Ref<boolean>) {
  let seq = 0;
  return async function run<T>(fetch: () => Promise<T>, apply: (value: T) => void): Promise<void> {
    const mine = ++seq;
    loading.value = true;
    try {
      const value = await fetch();
      if (mine === seq) apply(value);
    } finally {
      if (mine === seq) loading.value = false;
    }
  };
}
