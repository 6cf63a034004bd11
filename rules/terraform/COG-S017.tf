resource "aws_cognito_user_pool" "pool" {
  name = "app"
}

resource "aws_cognito_user_pool_client" "client" {
  name         = "web"
  user_pool_id = aws_cognito_user_pool.pool.id
  # write_attributes absent, or = [] (the provider sends nothing): every attribute is writable
}
