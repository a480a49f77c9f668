import { describe, expect, it } from 'vitest'
import { pathsInTheWay } from '../../src/core/rollback/paths-in-the-way.js'

describe('pathsInTheWay', () => {
  it('finds the same path, a file where a directory goes, and files inside a future file', () => {
    expect(pathsInTheWay(['config.local', 'notes.txt'], ['config.local'])).toEqual(['config.local'])
    // `a` is a file on disk; the revert needs `a/b`.
    expect(pathsInTheWay(['a', 'x'], ['a/b'])).toEqual(['a'])
    // `d/one` and `d/deep/two` stand where the revert puts the file `d`.
    expect(pathsInTheWay(['d/one', 'd/deep/two', 'dx'], ['d'])).toEqual(['d/deep/two', 'd/one'])
  })

  it('leaves unrelated and look-alike paths alone', () => {
    expect(pathsInTheWay(['a.txt', 'ab/c', 'src/a'], ['a', 'src/ab', 'b/a.txt'])).toEqual([])
    expect(pathsInTheWay([], ['a'])).toEqual([])
    expect(pathsInTheWay(['a'], [])).toEqual([])
  })
})
