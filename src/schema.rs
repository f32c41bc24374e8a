// placeholder until the migrations exist
