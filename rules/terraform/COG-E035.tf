resource "aws_cognito_user_pool" "pool" {
  name = "app"
  schema {
    name                = "email"
    attribute_data_type = "String"
    required            = true
    mutable             = true
  }
}

resource "aws_cognito_user_pool_client" "client" {
  name             = "web"
  user_pool_id     = aws_cognito_user_pool.pool.id
  write_attributes = ["name"] # email is required by the pool
}
