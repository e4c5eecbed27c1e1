// Runtime entry of the @mu/usage workspace package: the compiled lib (`npm run build`).
// TypeScript and jest resolve @mu/usage to the sources through tsconfig paths instead.
module.exports = require('../../dist/libs/usage/src/index.js');
