// half of a two-file import cycle (see resolve__import_cycle__two.nas)
import "../resolve__import_cycle__two.nas" as a
let y = 2
