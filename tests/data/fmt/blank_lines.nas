

// Runs of blank lines: at most one is kept, none at the start of a body or the file.



import std.data
import std.genotypes



import std.spaces.darts
let a = 1



let b = 2





pipeline p {


  data = data.digits()



  seed = a + b


  // a comment after blank lines


  stage s: knn {


    network = darts.cifar(cells = 3, channels = 8, genotype = genotypes.darts_v2)



    init = random
    k = 3


  }



}



