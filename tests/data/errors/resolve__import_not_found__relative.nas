import models.mine
