let p = "C:\data"
