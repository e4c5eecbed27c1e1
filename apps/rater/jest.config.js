module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'rater',
  rootDir: __dirname,
};
