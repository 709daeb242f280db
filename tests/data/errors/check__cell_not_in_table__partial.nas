// The fixed cell is not one of the two cells of a partial table.
import std.spaces.nb201
import std.data

pipeline p {
  data = data.digits()
  stage truth: nb201_lookup(table = "tests/data/tables/two_cells.csv", genotype = nb201.best_cifar10)
}
