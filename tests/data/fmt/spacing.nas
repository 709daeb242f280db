import std.data as   d
let	a=1   let b   =a*2+ 3 let c = - -1 - - (2)
pipeline   p(  n :int=3,)   {data=d.digits( ) , seed   = n stage s : knn ( k=3 , ) {temperature=0.1,} stage t:finetune(epochs=n,labels=10%,)after s
stage x: ssl_search { phase warmup { epochs = 1, arch = frozen } phase search { max_epochs = 2, when arch_stable(epochs=1) } } stage y: derive() {} after x}
