/** Database names a client might send that must be refused before any SQL is written (injection, paths, case, length, empty). */
export const BAD_NAMES = ['a;drop database x', '`x`', "x'--", '../etc', 'X', '1abc', 'a b', 'é', 'a'.repeat(16), ''];
