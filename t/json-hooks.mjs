// SPDX-License-Identifier: ISC
// A module hook for node: @actions/workflow-parser imports its JSON
// schemas without import attributes (it is written for bundlers); this adds
// them.  Registered by json-register.mjs (node --import ./json-register.mjs).
export async function load(url, context, next) {
  if (url.endsWith(".json"))
    return next(url, { ...context, importAttributes: { type: "json" } });
  return next(url, context);
}
