from adam import create_app

app = create_app()
