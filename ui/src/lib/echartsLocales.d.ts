/** The ECharts locale files ship without type declarations (their types live under echarts/types/src/i18n). */
declare module "echarts/lib/i18n/langES.js" {
  const lang: Parameters<typeof import("echarts/core").registerLocale>[1];
  export default lang;
}
