// SPDX-License-Identifier: ISC
// node --import ./json-register.mjs: register json-hooks.mjs (see there).
import { register } from "node:module";
register(new URL("./json-hooks.mjs", import.meta.url));
