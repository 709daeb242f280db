let a = b + 1
let b = a + 1
