module typescript-sdk

go 1.26
