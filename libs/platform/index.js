// Runtime entry of the @mu/platform workspace package: the compiled lib (`npm run build`).
// TypeScript and jest resolve @mu/platform to the sources through tsconfig paths instead.
module.exports = require('../../dist/libs/platform/src/index.js');
